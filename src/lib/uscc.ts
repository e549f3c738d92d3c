// 统一社会信用代码 (GB 32100-2015): 18 characters from 0-9A-HJ-NPQRTUWXY with a check character.

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/

export type UsccCheck =
  | { valid: true; uscc: string }
  | { valid: false; reason: 'length' | 'characters' | 'check_character'; message: string; expected?: string }

export function usccCheckCharacter(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!
  return ALPHABET[(31 - (sum % 31)) % 31]!
}

export function checkUscc(input: string): UsccCheck {
  const uscc = input.trim().toUpperCase()
  if (uscc.length !== 18) {
    return { valid: false, reason: 'length', message: `must be 18 characters (got ${uscc.length})` }
  }
  if (!SHAPE.test(uscc)) {
    const bad = [...uscc].find((c) => !ALPHABET.includes(c))
    return { valid: false, reason: 'characters', message: `contains "${bad}", which is not allowed (allowed: 0-9 and A-H, J-N, P, Q, R, T, U, W, X, Y)` }
  }
  const expected = usccCheckCharacter(uscc)
  if (uscc[17] !== expected) {
    return {
      valid: false,
      reason: 'check_character',
      message: `check character is "${uscc[17]}" but GB 32100 requires "${expected}"`,
      expected,
    }
  }
  return { valid: true, uscc }
}

/** Builds a valid USCC from its first 17 characters (tests, benchmarks and examples). */
export function completeUscc(first17: string): string {
  return first17 + usccCheckCharacter(first17)
}
