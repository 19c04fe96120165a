import jsQRModule from 'jsqr';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

/**
 * Reads a controlled copy the way a person's viewer does (pdf.js): the text of each page, and the QR codes
 * drawn on it, decoded from the images the page paints (jsQR).
 */

// jsqr is CommonJS typed as an ES module with a default export: take the function whichever way it arrives
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule.default }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

type PdfDocument = Awaited<ReturnType<typeof getDocument>['promise']>;

async function open(pdf: Uint8Array): Promise<PdfDocument> {
  // pdf.js takes ownership of the buffer it is given: hand it a copy
  return getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
}

/** The text of every page, items joined by spaces and runs of white space collapsed. */
export async function pageTexts(pdf: Uint8Array): Promise<string[]> {
  const doc = await open(pdf);
  try {
    const texts: string[] = [];
    for (let number = 1; number <= doc.numPages; number++) {
      const content = await (await doc.getPage(number)).getTextContent();
      texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' ').replace(/\s+/g, ' '));
    }
    return texts;
  } finally {
    await doc.destroy();
  }
}

/** The text pieces of every page with where they start, in points from the page's bottom left corner. */
export async function pageTextItems(pdf: Uint8Array): Promise<Array<Array<{ text: string; x: number; y: number }>>> {
  const doc = await open(pdf);
  try {
    const pages = [];
    for (let number = 1; number <= doc.numPages; number++) {
      const content = await (await doc.getPage(number)).getTextContent();
      pages.push(content.items.flatMap((item) => ('str' in item && item.str.trim() ? [{ text: item.str, x: item.transform[4] as number, y: item.transform[5] as number }] : [])));
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
  kind: number;
}

/** The QR codes each page paints, decoded (one array of texts per page). */
export async function pageQrCodes(pdf: Uint8Array): Promise<string[][]> {
  const doc = await open(pdf);
  try {
    const found: string[][] = [];
    for (let number = 1; number <= doc.numPages; number++) {
      const page = await doc.getPage(number);
      const operators = await page.getOperatorList();
      const codes: string[] = [];
      for (let index = 0; index < operators.fnArray.length; index++) {
        if (operators.fnArray[index] !== OPS.paintImageXObject) continue;
        const name = (operators.argsArray[index] as [string])[0];
        // an image several pages share is kept with the document (its name starts with g_), others with the page
        const objects = name.startsWith('g_') ? page.commonObjs : page.objs;
        const image = await new Promise<DecodedImage>((resolve) => objects.get(name, resolve));
        const code = jsQR(rgba(image), image.width, image.height);
        if (code) codes.push(code.data);
      }
      found.push(codes);
    }
    return found;
  } finally {
    await doc.destroy();
  }
}

/** pdf.js image data (1-bit grey, RGB or RGBA) as RGBA, which jsQR reads. */
function rgba(image: DecodedImage): Uint8ClampedArray {
  const pixels = image.width * image.height;
  if (image.kind === 3) return new Uint8ClampedArray(image.data);
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    if (image.kind === 2) {
      out.set(image.data.subarray(p * 3, p * 3 + 3), p * 4);
    } else {
      const rowBytes = Math.ceil(image.width / 8);
      const x = p % image.width;
      const y = Math.floor(p / image.width);
      const bit = (image.data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
      out.fill(bit ? 255 : 0, p * 4, p * 4 + 3);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
