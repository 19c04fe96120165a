/**
 * Names with `${…}` templates drawn as words (issue 15). A step named "Triage: rate the risk and decide on a
 * CAPA${output.riskScore.note}" is filled in for each record's task; in a diagram nothing fills it, and the
 * raw template is noise to a reader.
 *
 * The hook is bpmn-js's TextRenderer: every label on the canvas (shapes, external labels of events, gateways
 * and flows, pools, lanes, text annotations) is laid out and measured through it, and nothing else is. So the
 * business object keeps the name as authored: direct editing (which reads the name, not the drawing) shows
 * the template, and saving writes it unchanged. Label boxes are measured from the text drawn, so they fit it.
 *
 * - readableLabelsModule, for read-only diagrams (record page, versions, review): templates left out
 *   (`drawnName`: "Triage: rate the risk and decide on a CAPA", "Implement action …").
 * - markedTemplatesModule, for the editor: each template a short marker ("… a CAPA ‹note›"), so the process
 *   owner sees where the templates are.
 */
import TextRenderer, { type TextRendererConfig } from 'bpmn-js/lib/draw/TextRenderer';
import { drawnName, markedName } from '../engine/kernel/present/templates.js';

/** A TextRenderer that shows each text through `show` before it lays it out or measures it. */
function textRendererShowing(show: (text: string) => string): typeof TextRenderer {
  class ShowingTextRenderer extends TextRenderer {
    static override $inject = ['config.textRenderer'];
    constructor(config?: TextRendererConfig) {
      super(config);
      // TextRenderer defines its methods per instance, in its constructor: wrap those
      const { createText, getDimensions, getExternalLabelBounds, getTextAnnotationBounds } = this;
      this.createText = (text, options) => createText(show(text ?? ''), options);
      this.getDimensions = (text, options) => getDimensions(show(text ?? ''), options);
      this.getExternalLabelBounds = (bounds, text) => getExternalLabelBounds(bounds, show(text ?? ''));
      this.getTextAnnotationBounds = (bounds, text) => getTextAnnotationBounds(bounds, show(text ?? ''));
    }
  }
  return ShowingTextRenderer;
}

/** Read-only diagrams: names drawn without their templates. */
export const readableLabelsModule = { textRenderer: ['type', textRendererShowing(drawnName)] };

/** The editor: templates drawn as markers; the name itself, and direct editing, as authored. */
export const markedTemplatesModule = { textRenderer: ['type', textRendererShowing(markedName)] };
