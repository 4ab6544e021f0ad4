// The eps constants of the distance statistics. They are part of the numbers, not safety margins: the
// reference code adds them, and the golden values in the tests depend on them (docs/methods.md §Numeric constants).

/** Added to ‖x_i − x_j‖² before the sqrt of the U-statistic distances (docs/methods.md §Pairwise distances). */
export const EPS_U = 1e-18;
/** Added to ‖x_i − x_j‖² before the sqrt of the V-statistic distances (docs/methods.md §V-statistic FSS). */
export const EPS_V = 1e-12;
/** Inside the sqrt of the R* denominator (docs/methods.md §U-centring and R*). */
export const EPS_CORR = 1e-18;
/** Added to ⟨B̃,B̃⟩ in the projection coefficient (docs/methods.md §Semi-partial R* and pRS). */
export const EPS_PROJ = 1e-12;
/** Floor of the row norm in the V-statistic's row normalisation, as torch F.normalize. */
export const EPS_ROWNORM = 1e-12;
/** Inside the sqrt of the V-statistic denominator (docs/methods.md §V-statistic FSS). */
export const EPS_FSSV = 1e-9;
