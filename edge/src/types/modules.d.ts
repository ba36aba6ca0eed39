// Module types for files wrangler imports as text (see [[rules]] in wrangler.toml).
declare module '*/dist/s.js' {
  const text: string;
  export default text;
}
declare module '*/dist/app.js' {
  const text: string;
  export default text;
}
declare module '*.html' {
  const text: string;
  export default text;
}
