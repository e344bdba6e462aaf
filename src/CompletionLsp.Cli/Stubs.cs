namespace CompletionLsp.Cli;
public static class CompleteCommand { public static int Run(IEnumerable<string> a) => throw new UsageException("not yet"); }
public static class InfoCommand { public static int Run(IEnumerable<string> a) => throw new UsageException("not yet"); }
public static class DumpTokensCommand { public static int Run(IEnumerable<string> a) => throw new UsageException("not yet"); }
public static class ServeCommand { public static Task<int> RunAsync(IEnumerable<string> a) => throw new UsageException("not yet"); }
