// Problem documents in Chinese for callers whose Accept-Language prefers it: a title and a detail
// for every problem code, and the field messages of validation failures. English stays the default.
import type { FieldError, ProblemCode } from './problems.ts'
import { INSTANT_FORMS } from './time.ts'

export type Language = 'en' | 'zh-CN'

/** The caller's language from Accept-Language (RFC 9110 q-values): Chinese when it ranks above English. */
export function preferredLanguage(header: string | undefined): Language {
  if (!header) return 'en'
  let best: { lang: Language; q: number } | undefined
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';')
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    const lang: Language | undefined = tag.startsWith('zh') ? 'zh-CN' : tag.startsWith('en') || tag === '*' ? 'en' : undefined
    if (lang && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q }
  }
  return best?.lang ?? 'en'
}

/** Title, and what to do, for every code: the detail when no more specific Chinese detail is known. */
export const PROBLEMS_ZH: Record<ProblemCode, { title: string; detail: string }> = {
  route_not_found: { title: '接口不存在', detail: '没有这个接口，请核对请求方法和路径（接口列表见 /docs）。' },
  not_found: { title: '资源不存在', detail: '请求的资源不存在，请核对统一社会信用代码、资质编号等标识。' },
  malformed_json: { title: 'JSON 格式错误', detail: '请求体不是有效的 JSON。' },
  validation_failed: { title: '请求参数校验失败', detail: '请求中有字段未通过校验，详见 errors。' },
  bad_request: { title: '错误的请求', detail: '请求无法处理，请检查 URL、请求头和请求体。' },
  unauthorized: { title: '需要身份认证', detail: '缺少令牌，或令牌格式错误、已过期、签名无效；请在 Authorization 请求头中发送 "Bearer <令牌>"。' },
  insufficient_scope: { title: '令牌缺少所需权限范围', detail: '令牌不含此操作所需的 scope，请向令牌签发方申请（requiredScopes 列出所需范围）。' },
  forbidden_county: { title: '超出令牌所属县区的范围', detail: '县区系统的令牌只能登记和变更本县区的企业及其资质。' },
  city_level_required: { title: '须由市级令牌操作', detail: '此操作属于市级（如报请省级部门撤销、撤回报请、记录省级决定、制定或修改目标定义），县区系统的令牌不能进行。' },
  forbidden_department: { title: '超出令牌所属部门的范围', detail: '带部门声明的令牌只能操作本部门作为责任单位的目标或本部门作为主办单位的激励项目。' },
  not_acceptable: { title: '无可接受的表示形式', detail: '无法以 Accept 请求头要求的格式作答。' },
  conflict: { title: '与当前状态冲突', detail: '请求与记录的当前状态冲突，请重新读取后再试。' },
  enterprise_exists: { title: '企业已登记', detail: '该统一社会信用代码的企业已登记；如需修改请使用 PATCH。' },
  qualification_type_exists: { title: '资质类型已存在', detail: '该资质类型代码已存在。' },
  certificate_number_taken: { title: '证书编号已被使用', detail: '同一资质类型下该证书编号已被使用；只有被撤销登记（annulled）的资质会释放编号。' },
  invalid_transition: { title: '当前状态不允许此变更', detail: '资质的当前状态不允许此变更，允许的变更见 allowedTransitions。' },
  out_of_order_change: { title: '变更生效时间早于最近一次已记录的变更', detail: '新变更的生效时间不能早于最近一次已记录变更的生效时间。' },
  incentive_program_exists: { title: '激励项目代码已被使用', detail: '已有使用该代码的激励项目；请换一个代码，或修改已有项目。' },
  already_renewed: { title: '该资质已续期', detail: '被续期的资质已经有续期记录。' },
  invalid_case_transition: { title: '监管案件当前状态不允许此事项', detail: '案件当前状态（currentState）不允许记录此事项，可记录的事项见 allowedEvents；guard 说明未满足的条件。' },
  out_of_order_event: { title: '事项发生时间早于案件最近一次事项', detail: '新事项的发生时间（occurredAt）不能早于案件最近一次事项的发生时间（lastOccurredAt）。' },
  revocation_referral_pending: { title: '该资质已报请省级部门撤销，尚待决定', detail: '资质处于待决定的撤销报请中：撤销、注销或退出须在该监管案件上记录省级决定，或先撤回报请。' },
  case_closed: { title: '监管案件已结案', detail: '已结案的案件不能再记录事项；如有新问题请另立案件（relatedCaseId）。' },
  supervision_case_exists: { title: '该案件编号已登记', detail: '此 externalRef（本单位案件编号）已用于另一监管案件，见 caseId。' },
  idempotency_in_progress: { title: '同一幂等键的请求仍在处理中', detail: '使用此 Idempotency-Key 的第一个请求尚未完成，请按 Retry-After 稍后重试。' },
  precondition_failed: { title: '前置条件不满足', detail: 'If-Match 与当前 ETag 不一致：记录已被他人修改，请重新读取后再提交。' },
  payload_too_large: { title: '请求体过大', detail: '请求体超过了允许的大小，请拆分后提交。' },
  unsupported_media_type: { title: '不支持的媒体类型', detail: '请以 application/json（UTF-8，或声明 charset=GBK/GB18030）发送请求体；PATCH 使用 application/merge-patch+json。' },
  idempotency_key_reused: { title: '幂等键已用于不同的请求', detail: '此 Idempotency-Key 已用于内容不同的请求；新请求请使用新的幂等键。' },
  batch_rejected: { title: '批量请求被拒绝，未写入任何数据', detail: '原子批量请求中有条目被拒绝，整批未写入，详见 items。' },
  import_file_empty: { title: '导入文件没有数据', detail: '文件为空，或只有表头：第一行为表头，从第二行起每行一条记录。' },
  import_file_unreadable: { title: '导入文件无法读取', detail: '请上传 .xlsx 或 CSV 文件（UTF-8 或 GBK 编码），不要合并单元格；文件不完整时请重新导出。' },
  import_columns_invalid: { title: '导入文件的列与模板不符', detail: '第一行应为模板中的中文列名，请下载模板（GET /v1/imports/templates/{kind}.xlsx）填写。' },
  import_too_many_rows: { title: '导入文件行数超出上限', detail: '文件行数超过 IMPORT_MAX_ROWS，请拆分成多个文件导入。' },
  import_rejected: { title: '导入被拒绝，未写入任何数据', detail: '整体导入时有行不合格，全部未导入；请下载错误报告改正后重新导入。' },
  rate_limited: { title: '请求过于频繁', detail: '请求过于频繁，请按 Retry-After 稍后重试。' },
  internal_error: { title: '服务器内部错误', detail: '发生了意外错误；报告问题时请提供 instance 编号。' },
  not_ready: { title: '服务暂不可用', detail: '服务暂时无法处理请求，请按 Retry-After 稍后重试。' },
}

const PART_ZH: Record<FieldError['in'], string> = { body: '请求体', query: '查询参数', path: '路径参数', header: '请求头' }
const TYPE_ZH: Record<string, string> = { string: '字符串', integer: '整数', number: '数字', boolean: '布尔值', object: '对象', array: '数组', null: 'null' }

export const INSTANT_FORMS_ZH = '带时区偏移的日期时间（如 2025-07-01T08:30:00+08:00 或 2025-07-01T00:30:00Z），或日历日期（如 2025-07-01，表示北京时间当日 0 时）'

/** Field messages the registry writes, in Chinese; an unknown message stays as it is. */
const FIELD_MESSAGES: [RegExp, (...m: string[]) => string][] = [
  [/^is required$/, () => '为必填项'],
  [/^is not an accepted field$/, () => '不是可接受的字段'],
  [/^must be one of (.*)$/, (_, v) => `应为以下值之一：${v}`],
  [/^must NOT have more than (\d+) characters$/, (_, n) => `不能超过 ${n} 个字符`],
  [/^must NOT have fewer than (\d+) characters$/, (_, n) => `不能少于 ${n} 个字符`],
  [/^must NOT have more than (\d+) items$/, (_, n) => `不能超过 ${n} 项`],
  [/^must NOT have fewer than (\d+) items$/, (_, n) => `不能少于 ${n} 项`],
  [/^must match pattern "(.*)"$/, (_, p) => `应符合格式 "${p}"`],
  [/^must match format "(.*)"$/, (_, f) => `应为 ${f} 格式`],
  [/^must be (string|integer|number|boolean|object|array|null)$/, (_, t) => `应为${TYPE_ZH[t!] ?? t}`],
  [/^must be (>=|<=|>|<) (.*)$/, (_, op, n) => `应 ${op} ${n}`],
  [new RegExp(`^must be ${escape(INSTANT_FORMS)}$`), () => `应为${INSTANT_FORMS_ZH}`],
  [/^must not contain the NUL character \(U\+0000\)$/, () => '不能包含 NUL 字符（U+0000）'],
  [/^must be valid Unicode text \(it contains an unpaired UTF-16 surrogate\)$/, () => '必须是有效的 Unicode 文本（含有不成对的 UTF-16 代理项）'],
  [/^must not be in the future$/, () => '不能晚于当前时间'],
  [/^is not a date-time this registry can represent$/, () => '不是本系统可以表示的日期时间'],
  [/^is not a cursor returned by this list$/, () => '不是本列表返回的游标（cursor）'],
  [/^is not a valid 统一社会信用代码: must be 18 characters \(got (\d+)\)$/, (_, n) => `不是有效的统一社会信用代码：应为 18 位（实为 ${n} 位）`],
  [/^is not a valid 统一社会信用代码: contains "(.*)", which is not allowed .*$/, (_, c) => `不是有效的统一社会信用代码：含有不允许的字符 "${c}"（允许 0-9 及 A-H、J-N、P、Q、R、T、U、W、X、Y）`],
  [/^is not a valid 统一社会信用代码: check character is "(.)" but GB 32100 requires "(.)"$/, (_, got, want) => `不是有效的统一社会信用代码：校验码为 "${got}"，按 GB 32100 应为 "${want}"`],
  [/^duplicates item (\d+) of this batch$/, (_, i) => `与本批第 ${i} 项重复`],
  [/^is not valid UTF-8 \(first invalid byte at offset (\d+)\)$/, (_, n) => `不是有效的 UTF-8（第一个无效字节位于偏移 ${n}）`],
]

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function fieldMessageZh(message: string): string {
  for (const [pattern, render] of FIELD_MESSAGES) {
    const m = pattern.exec(message)
    if (m) return render(...m)
  }
  return message
}

/** Details of other problems the registry writes, in Chinese. */
const DETAILS: [RegExp, (...m: string[]) => string][] = [
  [/^no route for (\S+) (.*)$/, (_, method, path) => `没有 ${method} ${path} 这个接口，请核对请求方法和路径（接口列表见 /docs）。`],
  [/^enterprise (.+) does not exist$/, (_, id) => `企业 ${id} 不存在。`],
  [/^qualification (.+) does not exist$/, (_, id) => `资质 ${id} 不存在。`],
  [/^qualification type (.+) does not exist$/, (_, id) => `资质类型 ${id} 不存在。`],
  [/^this operation needs the scope (.+)$/, (_, s) => `此操作需要令牌包含 scope：${s}。`],
  [/^(revoking|annulling) a qualification needs the scope revocation:decide$/, (_, verb) => `${verb === 'revoking' ? '撤销' : '撤销登记（annul）'}资质需要 scope：revocation:decide。`],
  [/^a Bearer token is required$/, () => '需要在 Authorization 请求头中发送 "Bearer <令牌>"。'],
  [/^the token has expired$/, () => '令牌已过期，请重新获取。'],
  [/^the body is not valid JSON$/, () => '请求体不是有效的 JSON。'],
  [/^the URL is not valid/, () => 'URL 无效（百分号编码有误）；中文等字符请按 UTF-8 进行百分号编码。'],
]

export function detailZh(code: ProblemCode, detail: string, errors: FieldError[] | undefined): string {
  // An import's file-level problems are told in Chinese already (they are for the people who fill in the spreadsheets).
  if (code.startsWith('import_') && /[\u4e00-\u9fff]/.test(detail)) return detail
  if (errors && errors.length > 0) return errors.map((e) => `${PART_ZH[e.in]}${e.pointer}：${fieldMessageZh(e.message)}`).join('；')
  for (const [pattern, render] of DETAILS) {
    const m = pattern.exec(detail)
    if (m) return render(...m)
  }
  return PROBLEMS_ZH[code].detail
}
