// The reader's wish for less motion (the system's "reduce motion" setting, read by the
// browser as prefers-reduced-motion). CSS follows it in @media rules; this is the same
// answer for what scripts move. Read at each use, so that a change of the setting applies
// without a reload.

const REDUCE = matchMedia('(prefers-reduced-motion: reduce)');

/**
 * The `behavior` for scrollIntoView / scrollTo: smooth, or instant for a reader who asked
 * for less motion (a long smooth scroll is the kind of movement that setting is for).
 * @returns {'smooth'|'auto'}
 */
export function scrollBehavior() {
  return REDUCE.matches ? 'auto' : 'smooth';
}
