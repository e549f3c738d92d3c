// Preloaded into the servers under load (node --import; plain JavaScript, so the registry runs
// without tsx as npm start runs it): writes to stderr which signal reached
// the process and how it exited, so a server that ends mid-run says why in bench/.work/logs/.
// Listening does not change what the server itself does on these signals.
for (const signal of ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR2', 'SIGPIPE']) {
  process.prependListener(signal, () => process.stderr.write(`[bench] ${new Date().toISOString()} pid ${process.pid} received ${signal}\n`))
}
process.on('exit', (code) => process.stderr.write(`[bench] ${new Date().toISOString()} pid ${process.pid} exiting with code ${code}\n`))
