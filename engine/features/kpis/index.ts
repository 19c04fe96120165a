/** Key performance indicators: definitions, entered values and computed measures. */
export * from './kpis.js';
