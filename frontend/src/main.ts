import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/base.css'
import './styles/main.css'
import App from './App.vue'
import { applyDocumentLocale, i18n } from './i18n'
import { makeRouter } from './router'
import { onSessionExpired } from './api/client'
import { useAuthStore } from './stores/auth'

const app = createApp(App)
const pinia = createPinia()
const router = makeRouter(pinia)

app.use(pinia)
app.use(i18n)
app.use(router)
applyDocumentLocale(i18n.global.locale.value)

onSessionExpired(() => {
  const auth = useAuthStore(pinia)
  if (!auth.user) return
  auth.forget()
  const here = router.currentRoute.value
  if (here.name !== 'login') void router.push({ name: 'login', query: { next: here.fullPath } })
})

void router.isReady().then(() => app.mount('#app'))
