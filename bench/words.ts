// Word lists for the synthetic dataset: plausible Chinese enterprise names, people and places
// in 德州. Kept apart from the SQL so the loader reads as a data flow.

/** Counties in use today (371421 陵县 is retired), with a weight per 100 enterprises. */
export const COUNTIES: { code: string; short: string; full: string; weight: number }[] = [
  { code: '371402', short: '德城', full: '德城区', weight: 18 },
  { code: '371403', short: '陵城', full: '陵城区', weight: 8 },
  { code: '371422', short: '宁津', full: '宁津县', weight: 7 },
  { code: '371423', short: '庆云', full: '庆云县', weight: 6 },
  { code: '371424', short: '临邑', full: '临邑县', weight: 7 },
  { code: '371425', short: '齐河', full: '齐河县', weight: 9 },
  { code: '371426', short: '平原', full: '平原县', weight: 7 },
  { code: '371427', short: '夏津', full: '夏津县', weight: 6 },
  { code: '371428', short: '武城', full: '武城县', weight: 6 },
  { code: '371481', short: '乐陵', full: '乐陵市', weight: 8 },
  { code: '371482', short: '禹城', full: '禹城市', weight: 8 },
  { code: '371471', short: '天衢', full: '天衢新区', weight: 10 },
]

export const TRADE_FIRST = [...'华鑫恒金宏德泰瑞隆盛新昌福兴永天海远正信益丰利佳嘉和安康汇鼎博通源达宇创力美祥凯']
export const TRADE_SECOND = [...'源达宇创力美祥凯华鑫恒泰瑞隆盛昌兴通远丰利佳嘉和安康汇鼎博诺晟辉科明峰阳光润星邦']

/** Industry word of the name, with its GB/T 4754 section+division code. */
export const INDUSTRIES: [string, string][] = [
  ['机械制造', 'C34'], ['食品', 'C14'], ['纺织', 'C17'], ['新材料科技', 'C30'], ['生物科技', 'C27'],
  ['化工', 'C26'], ['电子科技', 'C39'], ['农业发展', 'A01'], ['建材', 'C30'], ['家具', 'C21'],
  ['体育用品', 'C24'], ['太阳能科技', 'C38'], ['汽车零部件', 'C36'], ['轴承', 'C34'], ['玻璃钢', 'C30'],
  ['中央空调', 'C34'], ['医药', 'C27'], ['纸业', 'C22'], ['调味品', 'C14'], ['面粉', 'C13'],
  ['酿酒', 'C15'], ['服饰', 'C18'], ['木业', 'C20'], ['橡胶', 'C29'], ['塑料制品', 'C29'],
  ['钢结构', 'C33'], ['环保科技', 'N77'], ['物流', 'G58'], ['工程', 'E48'], ['建设', 'E47'],
  ['商贸', 'F51'], ['电力设备', 'C38'], ['管业', 'C33'], ['新能源', 'D44'], ['畜牧', 'A03'],
  ['粮油', 'C13'], ['包装', 'C22'], ['乐器', 'C24'], ['五金', 'C33'], ['信息技术', 'I65'],
]

export const SUFFIXES = ['有限公司', '有限公司', '有限公司', '有限公司', '有限公司', '有限公司', '股份有限公司', '股份有限公司', '有限责任公司', '集团有限公司']

export const SURNAMES = [...'王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎']
export const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕文博晓东立新广庆德胜']

export const ROADS = ['东风路', '新华路', '天衢路', '湖滨大道', '德兴大道', '三八路', '解放路', '大学路', '工业园路', '经济开发区创业街', '长河大道', '文化路', '迎宾大街', '建设街', '兴业路']

/** Two-character queries for the name-search target: place words, trade words and industry words of the names. */
export const SEARCH_QUERIES = ['德州', '山东', '宁津', '齐河', '禹城', '乐陵', '华宇', '鑫源', '恒泰', '科技', '机械', '食品', '纺织', '化工', '天衢', '建材', '医药', '物流', '新能', '泰瑞']

/** Qualification types by weight per 1,000 qualifications, with an issuer and its authority level. */
export const QUALIFICATION_MIX: { type: string; weight: number; issuer: string; issuerLevel: 'national' | 'province' | 'city' }[] = [
  { type: 'HIGH_TECH_ENTERPRISE', weight: 230, issuer: '山东省科学技术厅', issuerLevel: 'province' },
  { type: 'ENTERPRISE_STANDARD', weight: 160, issuer: '德州市市场监督管理局', issuerLevel: 'city' },
  { type: 'TAISHAN_QUALITY_CERT', weight: 140, issuer: '山东省市场监督管理局', issuerLevel: 'province' },
  { type: 'GROUP_STANDARD', weight: 100, issuer: '山东省质量协会', issuerLevel: 'province' },
  { type: 'ALL_STAFF_INNOVATION', weight: 80, issuer: '山东省总工会', issuerLevel: 'province' },
  { type: 'HIGH_END_BRAND_CULTIVATION', weight: 60, issuer: '山东省市场监督管理局', issuerLevel: 'province' },
  { type: 'HAOPIN_SHANDONG_BRAND', weight: 50, issuer: '山东省市场监督管理局', issuerLevel: 'province' },
  { type: 'IP_ADVANTAGE_ENTERPRISE', weight: 50, issuer: '国家知识产权局', issuerLevel: 'national' },
  { type: 'MANUFACTURING_SINGLE_CHAMPION', weight: 30, issuer: '山东省工业和信息化厅', issuerLevel: 'province' },
  { type: 'QUALITY_BENCHMARK', weight: 30, issuer: '山东省工业和信息化厅', issuerLevel: 'province' },
  { type: 'GOVERNOR_CUP_DESIGN_AWARD', weight: 25, issuer: '山东省人民政府', issuerLevel: 'province' },
  { type: 'IP_DEMONSTRATION_ENTERPRISE', weight: 20, issuer: '国家知识产权局', issuerLevel: 'national' },
  { type: 'GOVERNOR_QUALITY_AWARD', weight: 10, issuer: '山东省人民政府', issuerLevel: 'province' },
  { type: 'CHINA_INDUSTRIAL_DESIGN_AWARD', weight: 8, issuer: '工业和信息化部', issuerLevel: 'national' },
  { type: 'CHINA_INDUSTRY_AWARD', weight: 4, issuer: '中国工业经济联合会', issuerLevel: 'national' },
  { type: 'CHINA_QUALITY_AWARD', weight: 3, issuer: '国家市场监督管理总局', issuerLevel: 'national' },
]

/** Certificate-number prefix per certificate-based type (numbers stay unique per type). */
export const CERTIFICATE_PREFIX: Record<string, string> = {
  TAISHAN_QUALITY_CERT: 'TSPZ-',
  HIGH_TECH_ENTERPRISE: 'GR',
  ENTERPRISE_STANDARD: 'Q/DZ ',
  GROUP_STANDARD: 'T/SDAQ ',
}
