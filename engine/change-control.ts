export * from './features/change-control/index.js';
