/** The clause catalogue (ISO 9001, 14001, 45001 and site extensions), validated with one schema. */
export * from './catalogue.js';
