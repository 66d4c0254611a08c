// Okabe-Ito colour-blind-safe palette used by every chart.
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442',
  '#000000', '#999999', '#882255'];
export const RGB = PALETTE.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
export const color = (i) => PALETTE[i % PALETTE.length];
