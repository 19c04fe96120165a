/** The demo story (`npm run demo`): each pack tells its chapter; the frame in scripts/demo.ts plays them in time order. */
export * from './story.js';
