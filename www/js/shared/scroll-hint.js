// A wide table on a narrow screen scrolls sideways inside its box; without a word, a reader
// on a phone takes the visible columns for all of them. This puts a hint above such a box
// while (and only while) its content is wider than the box.

/**
 * Shows "scroll sideways" above `box` whenever its content overflows it.
 * @param {HTMLElement} box an element with `overflow-x: auto`
 */
export function scrollHint(box) {
  const hint = document.createElement('p');
  hint.className = 'hint scroll-hint';
  hint.textContent = 'Scroll sideways for all the columns →';
  hint.hidden = true;
  box.before(hint);
  const check = () => {
    hint.hidden = box.scrollWidth <= box.clientWidth + 1;
  };
  const observer = new ResizeObserver(check);
  observer.observe(box);
  if (box.firstElementChild) observer.observe(box.firstElementChild);
}
