import type { RouteRecordRaw } from 'vue-router'

/** volunteeringRoutes are the volunteer profile, recommendation and pairing pages and their staff side. */
export const volunteeringRoutes: RouteRecordRaw[] = [
  {
    path: '/volunteer/profile',
    name: 'volunteer-profile',
    component: () => import('@/views/VolunteerProfileView.vue'),
    meta: { area: 'volunteer', titleKey: 'vol.profile.title' },
  },
  {
    path: '/volunteer/recommendations',
    name: 'volunteer-recommendations',
    component: () => import('@/views/VolunteerRecommendationsView.vue'),
    meta: { area: 'volunteer', titleKey: 'vol.recs.title' },
  },
  {
    path: '/volunteer/pairings',
    name: 'volunteer-pairings',
    component: () => import('@/views/VolunteerPairingsView.vue'),
    meta: { area: 'volunteer', titleKey: 'vol.pairings.title' },
  },
  {
    path: '/staff/verification',
    name: 'staff-verification',
    component: () => import('@/views/StaffVerificationView.vue'),
    meta: { area: 'staff', titleKey: 'vol.queue.title' },
  },
  {
    path: '/staff/matching',
    name: 'staff-matching',
    component: () => import('@/views/StaffMatchingView.vue'),
    meta: { area: 'staff', titleKey: 'vol.matching.title' },
  },
  {
    path: '/staff/needs/:id/candidates',
    name: 'staff-candidates',
    component: () => import('@/views/StaffCandidatesView.vue'),
    meta: { area: 'staff', titleKey: 'vol.candidates.title' },
  },
  {
    path: '/staff/pairings',
    name: 'staff-pairings',
    component: () => import('@/views/StaffPairingsView.vue'),
    meta: { area: 'staff', titleKey: 'vol.staffPairings.title' },
  },
]
