// The colours of the registry's categories, shared by the map, its legend and the dashboard.
//
// Hazard areas follow the sector's convention: confirmed (CHA) red, suspected (SHA) orange, the
// status shown by the outline. Released land is green to blue by how much was learnt: cancelled
// (desk survey) pale blue, reduced (technical survey) light green, cleared dark green.

export const CLASSIFICATION = { CHA: "#d7191c", SHA: "#fd8d3c" };

export const STATUS_OUTLINE = {
  open: { colour: "#4a1010", width: 1.6, dash: null, label: "open (solid)" },
  worked_on: { colour: "#4a1010", width: 1.6, dash: [2, 1.5], label: "worked on (dashed)" },
  closed: { colour: "#8c8c8c", width: 1.2, dash: null, label: "closed (grey)" },
};

export const RELEASE = { cancelled: "#9ecae1", reduced: "#a1d99b", cleared: "#238b45" };

export const FIND = "#6a3d9a";
export const EVIDENCE = "#01665e"; // dark teal: indications that are not finds
export const ACCIDENT = "#111111";
export const DEMINING_ACCIDENT = "#e6ab02";

export const LAND_COVER = { farmland: "#eee8c8", forest: "#cfe2c0", built_up: "#e3d9d6" };
export const RIVER = "#7fb2d9";
export const ROAD = "#a39b91";
export const FRONT_LINE = "#7b4a2d";
export const POSITION = "#7b4a2d";
export const SETTLEMENT = "#555555";
export const PAPER = "#f6f4ee";

// The plan page. Tasks by activity type, as the land they release: non-technical survey blue
// (it cancels land), clearance green.
export const ACTIVITY = { NTS: "#4292c6", CLEARANCE: "#238b45" };
// When an area's planned clearance ends: a sequential ramp (viridis), soonest light; areas
// without a planned task grey.
export const PLAN_RAMP = ["#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154"];
export const NO_PLAN = "#c4c4c4";
// Forecast runs: the plan black and thicker, the what-ifs and baselines in distinct colours.
export const PLAN_RUN = "#111111";
export const WHAT_IF = ["#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#1b9e77",
                        "#a6761d", "#666666"];

// The risk map: the probability that a cell is contaminated, light yellow (none) to dark red
// (certain), with more steps at the low end where most land lies (YlOrRd). The same classes
// style the layer in a field package (io/styles.py).
export const RISK_RAMP = [[0, "#ffffcc"], [0.05, "#fed976"], [0.1, "#feb24c"],
                          [0.25, "#fd8d3c"], [0.5, "#e31a1c"], [1, "#800026"]];
