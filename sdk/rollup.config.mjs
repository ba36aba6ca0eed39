// Builds the snippet: sdk/src/index.ts → sdk/dist/s.js, one minified IIFE with no runtime dependency.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

export default {
  input: 'sdk/src/index.ts',
  output: {
    file: 'sdk/dist/s.js',
    format: 'iife',
    // The sources are modules (strict already); the directive would only cost bytes.
    strict: false,
    generatedCode: 'es2015',
  },
  plugins: [
    typescript({
      // sdk/tsconfig.json: DOM types only, ES2021 (optional chaining, ??, ||=), which every browser
      // has run since 2020 (Chrome/Edge 85, Firefox 79, Safari 14). That file only type-checks;
      // the build emits, and a type error fails it.
      tsconfig: 'sdk/tsconfig.json',
      compilerOptions: { noEmit: false, noEmitOnError: true },
    }),
    terser({
      ecma: 2021,
      toplevel: true,
      // Measured: unsafe*, pure_getters and booleans_as_integers save under 5 bytes gzip, so the
      // snippet keeps terser's safe transforms. Properties are not mangled: every key is either on
      // the wire, in localStorage or a DOM name, and the wire's are one letter already.
      compress: { passes: 3 },
      format: { comments: false },
    }),
  ],
};
