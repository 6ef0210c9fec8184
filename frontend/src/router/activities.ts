import type { RouteRecordRaw } from 'vue-router'

/**
 * activitiesRoutes are the public activity list, calendar and pages, the
 * volunteer's sign-ups, check-in, hours and certificates, the public
 * certificate check and the staff's activity and session pages.
 */
export const activitiesRoutes: RouteRecordRaw[] = [
  {
    path: '/activities',
    name: 'activities',
    component: () => import('@/views/activities/ActivitiesView.vue'),
    meta: { titleKey: 'act.list.title' },
  },
  {
    path: '/activities/:id',
    name: 'activity',
    component: () => import('@/views/activities/ActivityView.vue'),
    meta: { titleKey: 'act.list.title' },
  },
  {
    // The page a check-in QR code opens (activities.CheckinPath).
    path: '/checkin/:session',
    name: 'checkin',
    component: () => import('@/views/activities/CheckinView.vue'),
    meta: { area: 'volunteer', titleKey: 'act.checkin.title' },
  },
  {
    // The page a certificate's QR code opens (activities.VerifyPath).
    path: '/certificates/:serial',
    name: 'certificate-verify',
    component: () => import('@/views/activities/CertificateVerifyView.vue'),
    meta: { titleKey: 'act.verify.title' },
  },
  {
    path: '/volunteer/activities',
    name: 'volunteer-activities',
    component: () => import('@/views/activities/MySignupsView.vue'),
    meta: { area: 'volunteer', titleKey: 'act.my.title' },
  },
  {
    path: '/volunteer/hours',
    name: 'volunteer-hours',
    component: () => import('@/views/activities/HoursView.vue'),
    meta: { area: 'volunteer', titleKey: 'act.hours.title' },
  },
  {
    path: '/staff/activities',
    name: 'staff-activities',
    component: () => import('@/views/activities/StaffActivitiesView.vue'),
    meta: { area: 'staff', titleKey: 'act.staff.title' },
  },
  {
    path: '/staff/activity-sessions/:id',
    name: 'staff-session',
    component: () => import('@/views/activities/SessionConsoleView.vue'),
    meta: { area: 'staff', titleKey: 'act.console.title' },
  },
]
