// Builds the dashboard's two scripts, one minified IIFE per page, served by the Worker:
//   dashboard/src/main.ts          → dashboard/dist/app.js       (/dashboard/app.js; Chart.js bundled in,
//                                                                  tree-shaken to the controllers the views register)
//   dashboard/src/settings/main.ts → dashboard/dist/settings.js  (/dashboard/settings.js)
// Both bundle the shared helpers (api, dom, format, key). No CDN: the pages work offline and a key
// never meets a third-party script.
import nodeResolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

const page = (input, file) => ({
  input,
  output: { file, format: 'iife', generatedCode: 'es2015' },
  plugins: [
    nodeResolve({ browser: true }),
    typescript({ tsconfig: 'dashboard/tsconfig.json', compilerOptions: { noEmit: false, noEmitOnError: true } }),
    terser({ ecma: 2021, compress: { passes: 2 }, format: { comments: false } }),
  ],
});

export default [page('dashboard/src/main.ts', 'dashboard/dist/app.js'), page('dashboard/src/settings/main.ts', 'dashboard/dist/settings.js')];
