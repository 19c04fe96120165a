/** The site register: the plants by key, with the name people read and their locale and time zone defaults. */
export * from './sites.js';
