/** `1 file`, `2 files`: a number with its noun in the right number. */
export const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
