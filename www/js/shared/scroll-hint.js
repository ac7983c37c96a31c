// A wide table on a narrow screen scrolls sideways inside its box; without a word, a reader
// on a phone takes the visible columns for all of them. This puts a hint above such a box
// while (and only while) its content is wider than the box. While the box scrolls either
// way, it also takes keyboard focus: a box that scrolls but cannot be focused cannot be
// scrolled from the keyboard (WCAG 2.1.1; axe's scrollable-region-focusable).

/**
 * Shows "scroll sideways" above `box` whenever its content overflows it, and makes the box
 * focusable (a named group, unless it has a role of its own) whenever it scrolls.
 * @param {HTMLElement} box an element with `overflow-x: auto` (and perhaps `overflow-y: auto`)
 */
export function scrollHint(box) {
  const hint = document.createElement('p');
  hint.className = 'hint scroll-hint';
  hint.textContent = 'Scroll sideways for all the columns →';
  hint.hidden = true;
  box.before(hint);
  // A focusable element needs a name; a sectioning element keeps its own role and name.
  if (!box.hasAttribute('role') && !box.matches('section, aside, nav, article')) {
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Scrollable table');
  }
  const check = () => {
    const wide = box.scrollWidth > box.clientWidth + 1;
    hint.hidden = !wide;
    if (wide || box.scrollHeight > box.clientHeight + 1) box.tabIndex = 0;
    else box.removeAttribute('tabindex');
  };
  const observer = new ResizeObserver(check);
  observer.observe(box);
  if (box.firstElementChild) observer.observe(box.firstElementChild);
}
