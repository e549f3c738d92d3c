// The small part of autocannon's API that bench/load.ts uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    p50: number
    p90: number
    p99: number
    max: number
    average: number
    total: number
  }
  interface Result {
    duration: number
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats?: Record<string, { count: number }>
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    headers?: Record<string, string>
    requests?: { setupRequest?: (req: Record<string, unknown>) => Record<string, unknown> }[]
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
