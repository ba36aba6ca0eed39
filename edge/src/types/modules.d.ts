// Module types for files wrangler imports as text (see [[rules]] in wrangler.toml; .html and .txt are its defaults).
declare module '*/dist/s.js' {
  const text: string;
  export default text;
}
declare module '*/dist/app.js' {
  const text: string;
  export default text;
}
declare module '*/dist/settings.js' {
  const text: string;
  export default text;
}
declare module '*.html' {
  const text: string;
  export default text;
}
declare module '*.txt' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
