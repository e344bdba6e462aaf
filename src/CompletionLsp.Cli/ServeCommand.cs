namespace CompletionLsp.Cli;
public static class ServeCommand { public static Task<int> RunAsync(IEnumerable<string> a) => throw new UsageException("serve is not built yet"); }
