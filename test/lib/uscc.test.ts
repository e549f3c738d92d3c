import t from 'tap'
import { checkUscc, completeUscc, usccCheckCharacter } from '../../src/lib/uscc.ts'

t.test('accepts the GB 32100 examples and normalises case', async (t) => {
  t.same(checkUscc('91350100M000100Y43'), { valid: true, uscc: '91350100M000100Y43' })
  t.same(checkUscc('91110000600037341L'), { valid: true, uscc: '91110000600037341L' })
  t.same(checkUscc(' 91110000600037341l '), { valid: true, uscc: '91110000600037341L' })
})

t.test('names the expected check character when it is wrong', async (t) => {
  const result = checkUscc('91350100M000100Y44')
  t.equal(result.valid, false)
  if (!result.valid) {
    t.equal(result.reason, 'check_character')
    t.equal(result.expected, '3')
    t.match(result.message, /requires "3"/)
  }
})

t.test('rejects wrong lengths and letters outside the alphabet', async (t) => {
  const short = checkUscc('9135010')
  t.equal(short.valid ? '' : short.reason, 'length')
  for (const letter of ['I', 'O', 'S', 'V', 'Z']) {
    const r = checkUscc(`91350100M000100${letter}43`)
    t.equal(r.valid ? '' : r.reason, 'characters', letter)
  }
})

t.test('every single-character change of a valid code is caught', async (t) => {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const valid = '91110000600037341L'
  let caught = 0
  let changes = 0
  for (let i = 0; i < 17; i++) {
    for (const c of alphabet) {
      if (c === valid[i]) continue
      changes++
      if (!checkUscc(valid.slice(0, i) + c + valid.slice(i + 1)).valid) caught++
    }
  }
  t.equal(caught, changes)
})

t.test('completeUscc produces codes that check', async (t) => {
  t.equal(usccCheckCharacter('91350100M000100Y4'), '3')
  t.equal(checkUscc(completeUscc('91371402ABCDEFGH1')).valid, true)
})
