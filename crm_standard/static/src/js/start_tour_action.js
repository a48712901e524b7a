import { registry } from "@web/core/registry";

// The "Learn" menu entries: start a role's onboarding tour in the user's
// browser (interactive mode: the tour points at each step and waits).
function startCrmStandardTour(env, action) {
    env.services.tour_service.startTour(action.params.tour, { mode: "manual" });
}

registry.category("actions").add("crm_standard_start_tour", startCrmStandardTour);
