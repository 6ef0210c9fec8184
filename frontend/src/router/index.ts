import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router'
import type { Pinia } from 'pinia'
import HomeView from '@/views/HomeView.vue'
import { useAuthStore } from '@/stores/auth'
import { decide, type RouteAccess } from './access'
import { volunteeringRoutes } from './volunteering'
import { moneyRoutes } from './money'
import { pledgeRoutes } from './pledges'
import { financeRoutes } from './finance'
import { activitiesRoutes } from './activities'

declare module 'vue-router' {
  interface RouteMeta extends RouteAccess {
    /** titleKey is the i18n key of the page title. */
    titleKey?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView, meta: { titleKey: 'nav.home' } },
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { guestOnly: true, titleKey: 'auth.loginTitle' },
  },
  {
    path: '/signup',
    name: 'signup',
    component: () => import('@/views/SignupView.vue'),
    meta: { guestOnly: true, titleKey: 'auth.signupTitle' },
  },
  {
    path: '/needs',
    name: 'needs',
    component: () => import('@/views/NeedsView.vue'),
    meta: { titleKey: 'needs.title' },
  },
  {
    path: '/needs/:id',
    name: 'need',
    component: () => import('@/views/NeedView.vue'),
    meta: { titleKey: 'need.pageTitle' },
  },
  {
    path: '/volunteer',
    name: 'volunteer',
    component: () => import('@/views/VolunteerView.vue'),
    meta: { area: 'volunteer', titleKey: 'volunteer.title' },
  },
  {
    path: '/donor',
    name: 'donor',
    component: () => import('@/views/DonorView.vue'),
    meta: { area: 'donor', titleKey: 'donor.title' },
  },
  {
    path: '/staff',
    name: 'staff',
    component: () => import('@/views/StaffView.vue'),
    meta: { area: 'staff', titleKey: 'staff.title' },
  },
  {
    path: '/staff/needs',
    name: 'staff-needs',
    component: () => import('@/views/StaffNeedsView.vue'),
    meta: { area: 'staff', titleKey: 'needStaff.listTitle' },
  },
  {
    path: '/staff/needs/new',
    name: 'staff-need-new',
    component: () => import('@/views/NeedEditorView.vue'),
    meta: { area: 'staff', titleKey: 'needForm.newTitle' },
  },
  {
    path: '/staff/needs/:id/edit',
    name: 'staff-need-edit',
    component: () => import('@/views/NeedEditorView.vue'),
    meta: { area: 'staff', titleKey: 'needForm.editTitle' },
  },
  {
    path: '/staff/review',
    name: 'staff-review',
    component: () => import('@/views/ReviewQueueView.vue'),
    meta: { area: 'staff', titleKey: 'needStaff.reviewTitle' },
  },
  {
    path: '/admin',
    name: 'admin',
    component: () => import('@/views/AdminView.vue'),
    meta: { area: 'admin', titleKey: 'admin.title' },
  },
  {
    path: '/profile',
    name: 'profile',
    component: () => import('@/views/ProfileView.vue'),
    meta: { requiresAuth: true, titleKey: 'profile.title' },
  },
  ...volunteeringRoutes,
  ...moneyRoutes,
  ...pledgeRoutes,
  ...financeRoutes,
  ...activitiesRoutes,
  {
    path: '/403',
    name: 'forbidden',
    component: () => import('@/views/ForbiddenView.vue'),
    meta: { titleKey: 'forbidden.title' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { titleKey: 'notFound.title' },
  },
]

/** installGuards adds the access rules of routes' meta to a router. */
export function installGuards(router: Router, pinia: Pinia): void {
  router.beforeEach(async (to) => {
    const auth = useAuthStore(pinia)
    await auth.ensureLoaded()
    const d = decide(to.meta, auth.user, to.fullPath)
    switch (d.kind) {
      case 'allow':
        return true
      case 'login':
        return { name: 'login', query: { next: d.next } }
      case 'forbidden':
        return { name: 'forbidden', query: { from: d.from } }
      case 'redirect':
        return d.path
    }
  })
}

/** makeRouter builds the app router with its guards. */
export function makeRouter(pinia: Pinia, history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({
    history,
    routes,
    scrollBehavior(to, from, saved) {
      if (saved) return saved
      // A change of query only (filters, tabs) updates the page in place.
      if (to.path === from.path && to.hash === from.hash) return false
      return { top: 0 }
    },
  })
  installGuards(router, pinia)
  return router
}
