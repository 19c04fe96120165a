export * from './features/dashboard/index.js';
