// Builds the dashboard's script: dashboard/src/main.ts → dashboard/dist/app.js, one minified IIFE with
// Chart.js bundled in (tree-shaken to the controllers the views register), served by the Worker at
// /dashboard/app.js. No CDN: the page works offline and a key never meets a third-party script.
import nodeResolve from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

export default {
  input: 'dashboard/src/main.ts',
  output: { file: 'dashboard/dist/app.js', format: 'iife', generatedCode: 'es2015' },
  plugins: [
    nodeResolve({ browser: true }),
    typescript({ tsconfig: 'dashboard/tsconfig.json', compilerOptions: { noEmit: false, noEmitOnError: true } }),
    terser({ ecma: 2021, compress: { passes: 2 }, format: { comments: false } }),
  ],
};
