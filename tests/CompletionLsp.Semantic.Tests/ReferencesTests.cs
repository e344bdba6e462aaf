using CompletionLsp.Semantic.Projects;

namespace CompletionLsp.Semantic.Tests;

/// <summary>The framework references on a machine without a targeting pack: the running runtime's assemblies.</summary>
public sealed class ReferencesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cls-refs-").FullName;

    private void Touch(params string[] names)
    {
        foreach (var n in names) File.WriteAllText(Path.Combine(_dir, n), "");
    }

    [Fact]
    public void A_self_contained_server_takes_only_the_runtime_packs_assemblies_from_its_folder()
    {
        // The folder of a self-contained completion-lsp: the framework beside Roslyn and the server.
        Touch("System.Runtime.dll", "System.Private.CoreLib.dll", "Microsoft.Win32.Primitives.dll", "netstandard.dll",
            "Microsoft.CodeAnalysis.dll", "Microsoft.CodeAnalysis.CSharp.dll", "Microsoft.VisualStudio.Threading.dll", "System.Composition.Hosting.dll", "completion-lsp.dll");
        var deps = Path.Combine(_dir, "completion-lsp.deps.json");
        File.WriteAllText(deps, """
            { "targets": { ".NETCoreApp,Version=v10.0": {}, ".NETCoreApp,Version=v10.0/linux-x64": {
                "completion-lsp/1.0.0": { "runtime": { "completion-lsp.dll": {} } },
                "Microsoft.CodeAnalysis.Common/5.12.0": { "runtime": { "lib/net9.0/Microsoft.CodeAnalysis.dll": {} } },
                "System.Composition.Hosting/10.0.10": { "runtime": { "lib/net10.0/System.Composition.Hosting.dll": {} } },
                "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/10.0.0": { "runtime": {
                  "System.Runtime.dll": {}, "System.Private.CoreLib.dll": {}, "Microsoft.Win32.Primitives.dll": {}, "netstandard.dll": {} },
                  "native": { "libcoreclr.so": {} } } } } }
            """);
        var got = References.RuntimeAssemblies(_dir, _dir, deps).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["Microsoft.Win32.Primitives.dll", "System.Private.CoreLib.dll", "System.Runtime.dll", "netstandard.dll"], got);
    }

    [Fact]
    public void A_shared_runtime_folder_is_taken_whole()
    {
        // dotnet's shared/Microsoft.NETCore.App/<version>/: only the framework is there.
        Touch("System.Runtime.dll", "Microsoft.VisualBasic.Core.dll", "Microsoft.Win32.Primitives.dll");
        var app = Directory.CreateTempSubdirectory("cls-app-").FullName;
        try
        {
            var got = References.RuntimeAssemblies(_dir, app, null).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["Microsoft.VisualBasic.Core.dll", "Microsoft.Win32.Primitives.dll", "System.Runtime.dll"], got);
        }
        finally { Directory.Delete(app, true); }
    }

    [Fact]
    public void Without_a_readable_deps_file_nothing_is_filtered()
    {
        Touch("System.Runtime.dll", "Microsoft.CodeAnalysis.dll");
        Assert.Equal(2, References.RuntimeAssemblies(_dir, _dir, Path.Combine(_dir, "missing.deps.json")).Count);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
