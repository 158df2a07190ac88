// Icons both front ends draw as inline SVG: they look the same on every device,
// where an emoji depends on the fonts a phone or a workstation happens to have.
// Every icon is decoration (aria-hidden): the words beside it carry the meaning.
// Their shapes live in one file, icons.svg (symbols by id), which the staff
// pages' templates use too (bot/templates/bot/_icon.html).

const SVG = "http://www.w3.org/2000/svg";
const SPRITE = new URL("icons.svg", import.meta.url).pathname;

/** An <svg> of the named icon (a symbol of icons.svg), sized by CSS through `className`. */
export function icon(name, className = "k-icon") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "24");
  svg.setAttribute("height", "24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `${SPRITE}#${name}`);
  svg.append(use);
  return svg;
}
