import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import App from '@/App.vue'
import { i18n } from '@/i18n'
import { makeRouter } from '@/router'

/** mountApp mounts the whole app at path, as a browser opening it would. */
export async function mountApp(path: string) {
  const pinia = createPinia()
  const router = makeRouter(pinia, createMemoryHistory())
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [pinia, i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

/** range is from, from+1, …, to. */
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
