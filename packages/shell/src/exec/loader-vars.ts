// Variables that decide what code a process runs: dynamic loaders, shells and language runtimes
// read them before the program's own code. A secret that sets one gives whoever can write the
// artifact code execution in the child, so exec never takes them from secrets unless the user
// names them (`--allow-env`). The list follows what each loader and interpreter documents.

/** Exact names: shells, Node, Python, Perl, Ruby, Java, Git, the linker search path. */
const NAMES: ReadonlySet<string> = new Set([
  'PATH',
  'IFS',
  'ENV',
  'BASH_ENV',
  'CDPATH',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PYTHONUSERBASE',
  'PERL5LIB',
  'PERLLIB',
  'PERL5OPT',
  'PERL5DB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
  'GCONV_PATH',
  'HOSTALIASES',
  'RESOLV_HOST_CONF',
  'LOCPATH',
  'NLSPATH',
  'MALLOC_CHECK_',
  'TMPDIR',
])

/** Prefixes: the ELF and Mach-O loaders, bash exported functions, glibc tunables. */
const PREFIXES: readonly string[] = ['LD_', 'DYLD_', 'BASH_FUNC_', 'GLIBC_']

/** True when `name` is a loader or interpreter variable (case-sensitive, as execve names are). */
export const isLoaderVariable = (name: string): boolean =>
  NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p))
