/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const inVitest = process.env.VITEST !== undefined

// dist/.gitkeep is committed so that `go:embed all:dist` always has a file to
// embed, even before the first build. Vite empties dist/ on every build, so
// the build writes it back.
function keepDistPlaceholder(): Plugin {
  return {
    name: 'tongban-keep-dist-placeholder',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '.gitkeep', source: '' })
    },
  }
}

export default defineConfig({
  plugins: [
    vue(),
    Components({
      dts: false,
      // Element Plus component styles are imported on demand for the build;
      // Vitest cannot load them and does not need them.
      resolvers: [ElementPlusResolver({ importStyle: inVitest ? false : 'css' })],
    }),
    keepDistPlaceholder(),
  ],
  define: {
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': { target: process.env.TONGBAN_API ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.ts'],
    restoreMocks: true,
    // The first test that mounts a page transforms Element Plus, which takes
    // several seconds on a busy two-core machine.
    testTimeout: 30_000,
    unstubGlobals: true,
    server: {
      deps: {
        // Element Plus imports the CommonJS async-validator as a default
        // export; only Vite's interop gets that right. Loaded by Node as an
        // external, form validation silently passes everything.
        inline: ['element-plus'],
      },
    },
  },
})
