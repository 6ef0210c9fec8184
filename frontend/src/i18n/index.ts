import { createI18n } from 'vue-i18n'
import zhCN, { type MessageSchema } from './locales/zh-CN'
import en from './locales/en'
import { setApiLanguage } from '@/api/client'

/** LOCALES are the supported locales; the first is the default. */
export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

/** LOCALE_KEY is the localStorage key remembering the chosen locale. */
export const LOCALE_KEY = 'tongban.locale'

export const messages: Record<Locale, MessageSchema> = { 'zh-CN': zhCN, en }

function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v)
}

/** storedLocale reads the remembered locale, falling back to zh-CN. */
export function storedLocale(): Locale {
  try {
    const v = window.localStorage.getItem(LOCALE_KEY)
    if (isLocale(v)) return v
  } catch {
    // Storage can be unavailable (privacy modes of in-app browsers).
  }
  return 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: 'zh-CN',
  messages,
})

/** setLocale switches the interface language, remembers it and updates <html lang>. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    window.localStorage.setItem(LOCALE_KEY, locale)
  } catch {
    // Not remembered when storage is unavailable; the switch still applies.
  }
  applyDocumentLocale(locale)
}

/** applyDocumentLocale sets <html lang> and the document title for the locale. */
export function applyDocumentLocale(locale: Locale): void {
  document.documentElement.lang = locale
  setApiLanguage(locale)
}
