// The columns of each import kind, as a person sees them in the template and as the reader matches
// them: Chinese headers, which are required, what goes in them, and which drop-down list helps.
export const IMPORT_KINDS = ['enterprises', 'qualifications'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]
export const IMPORT_MODES = ['atomic', 'per-row'] as const
export type ImportMode = (typeof IMPORT_MODES)[number]

/** Reference lists a column can offer as a drop-down (filled from the database or the schemas). */
export type ListName = 'counties' | 'stages' | 'businessStatuses' | 'types' | 'levels'

export interface Column {
  key: string
  header: string
  required: boolean
  /** What to write, shown in the template's 填写说明 sheet. */
  note: string
  example: string
  list?: ListName
  /** Other headers people use for the same column. */
  aliases?: string[]
  width: number
}

export const ENTERPRISE_COLUMNS: Column[] = [
  { key: 'uscc', header: '统一社会信用代码', required: true, width: 24, example: '91350100M000100Y43', aliases: ['信用代码', '社会信用代码'],
    note: '18位，按GB 32100校验；可含空格、小写或全角字符，导入时自动规范' },
  { key: 'name', header: '企业名称', required: true, width: 32, example: '德州市华源生态科技有限公司', note: '最多200个字符' },
  { key: 'county', header: '所属县（市、区）', required: true, width: 20, example: '371402 德城区', list: 'counties', aliases: ['所属县区', '县（市、区）', '县市区', '区县'],
    note: '从下拉列表选择；也可只填6位区划代码（如371402）或名称（如德城区）' },
  { key: 'industryCode', header: '行业代码', required: false, width: 12, example: 'C1391', note: 'GB/T 4754 门类或代码，如 C、C13、C1391' },
  { key: 'address', header: '地址', required: false, width: 36, example: '德州市德城区新华路1号', note: '最多500个字符' },
  { key: 'legalRepresentative', header: '法定代表人', required: false, width: 14, example: '张伟', note: '最多100个字符' },
  { key: 'contactName', header: '联系人', required: false, width: 14, example: '李娜', note: '不公开' },
  { key: 'contactPhone', header: '联系电话', required: false, width: 18, example: '0534-2345678', note: '数字、空格和 + - ( )，不公开' },
  { key: 'contactEmail', header: '电子邮箱', required: false, width: 26, example: 'lina@example.com', note: '不公开' },
  { key: 'cultivationStage', header: '培育阶段', required: false, width: 12, example: '培育一批', list: 'stages', note: '规划一批、培育一批或创建一批' },
  { key: 'businessStatus', header: '经营状态', required: false, width: 12, example: '存续', list: 'businessStatuses', note: '存续、经营异常、吊销或注销；不填为存续（新企业）或保持不变' },
  { key: 'cultivationLists', header: '培育名单', required: false, width: 28, example: 'INDUSTRIAL_TOP50:2024', aliases: ['名单'],
    note: '名单代码:年份，多个用分号隔开，如 INDUSTRIAL_TOP50:2024；填写即整体替换原有名单' },
]

export const QUALIFICATION_COLUMNS: Column[] = [
  { key: 'uscc', header: '统一社会信用代码', required: true, width: 24, example: '91350100M000100Y43', aliases: ['信用代码', '社会信用代码'],
    note: '已登记企业的18位代码；可含空格、小写或全角字符' },
  { key: 'type', header: '资质类型', required: true, width: 40, example: 'TAISHAN_QUALITY_CERT "泰山品质"认证', list: 'types',
    note: '从下拉列表选择；也可只填类型代码或名称' },
  { key: 'certificateNo', header: '证书编号', required: false, width: 22, example: 'TSPZ-2024-0001', note: '证书类资质必填；同类型内不得重复' },
  { key: 'title', header: '认证产品或品牌', required: false, width: 24, example: '华源牌有机小米', aliases: ['名称'], note: '最多200个字符' },
  { key: 'scope', header: '认证范围', required: false, width: 30, example: '有机小米、杂粮系列产品', aliases: ['范围'], note: '最多2000个字符' },
  { key: 'issuer', header: '发证机关', required: true, width: 26, example: '山东省市场监督管理局', aliases: ['授予机关', '认定机关'], note: '最多200个字符' },
  { key: 'issuerLevel', header: '发证机关级别', required: true, width: 14, example: '省级', list: 'levels', aliases: ['机关级别'], note: '县级、市级、省级或国家级' },
  { key: 'grantedAt', header: '授予日期', required: true, width: 14, example: '2024-03-15', aliases: ['发证日期', '认定日期'],
    note: 'Excel日期或文本（2024-03-15、2024/3/15、2024年3月15日），按北京时间当日计；不得晚于今天' },
  { key: 'validFrom', header: '有效期起', required: false, width: 14, example: '2024-03-15', note: '不填为授予日期' },
  { key: 'validUntil', header: '有效期至', required: false, width: 14, example: '2027-03-14',
    note: '有效的最后一天（含当日）；不填按类型默认有效期，无默认则长期有效' },
  { key: 'batch', header: '公告批次', required: false, width: 16, example: '2024年第一批', aliases: ['批次'], note: '最多100个字符' },
]

export function columnsOf(kind: ImportKind): Column[] {
  return kind === 'enterprises' ? ENTERPRISE_COLUMNS : QUALIFICATION_COLUMNS
}

export const KIND_LABEL: Record<ImportKind, string> = { enterprises: '企业', qualifications: '资质' }

export const STAGE_LABELS: Record<string, string> = { planned: '规划一批', cultivating: '培育一批', established: '创建一批' }
export const BUSINESS_STATUS_LABELS: Record<string, string> = { operating: '存续', abnormal: '经营异常', revoked: '吊销', deregistered: '注销' }
export const LEVEL_LABELS: Record<string, string> = { county: '县级', city: '市级', province: '省级', national: '国家级' }

/** A header as typed, reduced to what identifies it: full-width folded, no spaces, no required mark. */
export function headerKey(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/\((必填|选填)\)$/, '')
    .replace(/^\*|\*$/g, '')
    .toLowerCase()
}

/** Which column each header cell names (undefined for blank cells). */
export function matchHeader(kind: ImportKind, cells: string[]): { columns: (Column | undefined)[]; unknown: string[]; missing: Column[]; duplicated: string[] } {
  const byKey = new Map<string, Column>()
  for (const c of columnsOf(kind)) for (const h of [c.header, ...(c.aliases ?? [])]) byKey.set(headerKey(h), c)
  const seen = new Set<string>()
  const unknown: string[] = []
  const duplicated: string[] = []
  const columns = cells.map((cell) => {
    if (cell.trim() === '') return undefined
    const column = byKey.get(headerKey(cell))
    if (!column) unknown.push(cell.trim())
    else if (seen.has(column.key)) duplicated.push(cell.trim())
    else seen.add(column.key)
    return column && !duplicated.includes(cell.trim()) ? column : undefined
  })
  const missing = columnsOf(kind).filter((c) => c.required && !seen.has(c.key))
  return { columns, unknown, missing, duplicated }
}
