using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using CompletionLsp.Bench;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// What the server may do with an untrusted workspace: read documents and the model file. It evaluates no project
/// file, executes nothing, opens no network connection, and deserializes the model with its own readers only.
/// </summary>
public sealed class SecurityTests(ITestOutputHelper output)
{
    /// <summary>A workspace that would run a command if anything evaluated or built its projects.</summary>
    private static string HostileWorkspace(TempDir dir, out string marker)
    {
        marker = dir.Combine("PWNED");
        string exec = $"<Exec Command=\"touch {marker}\" />";
        // The semantic model reads the project as text: its targets, analyzers, generators and package assets must
        // not run, whatever they name.
        dir.File("ws/Evil.csproj", $"<Project Sdk=\"Microsoft.NET.Sdk\"><Target Name=\"Evil\" BeforeTargets=\"Restore;Build;CoreCompile\" AfterTargets=\"Restore\">{exec}</Target><Target Name=\"Build\">{exec}</Target>" +
            "<ItemGroup><Analyzer Include=\"evil.dll\" /><PackageReference Include=\"Evil.Generator\" Version=\"1.0.0\" OutputItemType=\"Analyzer\" /></ItemGroup></Project>");
        dir.File("ws/obj/project.assets.json", "{ \"version\": 4, \"targets\": { \"net10.0\": { \"Evil.Generator/1.0.0\": { \"type\": \"package\", \"compile\": { \"../../../../bin/sh\": {}, \"lib/evil.dll\": {} } } } }, " +
            "\"libraries\": { \"Evil.Generator/1.0.0\": { \"path\": \"../../..\" } }, \"packageFolders\": { \"/\": {} } }");
        dir.File("ws/Directory.Build.props", $"<Project><Target Name=\"EvilProps\" BeforeTargets=\"Restore;Build\">{exec}</Target></Project>");
        dir.File("ws/Directory.Build.targets", $"<Project><Target Name=\"EvilTargets\" AfterTargets=\"Restore\">{exec}</Target></Project>");
        dir.File("ws/global.json", "{ \"sdk\": { \"version\": \"1.0.0\" }, \"msbuild-sdks\": { \"Evil.Sdk\": \"1.0.0\" } }");
        dir.File("ws/nuget.config", "<configuration><packageSources><add key=\"evil\" value=\"http://203.0.113.1/nuget\" /></packageSources></configuration>");
        dir.File("ws/.vscode/settings.json", "{ \"completionLsp.modelPath\": \"/dev/zero\" }");
        dir.File("ws/run.sh", $"#!/bin/sh\ntouch {marker}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir.Combine("ws", "run.sh"), (UnixFileMode)0x1ED);
        dir.File("ws/src/Widget.cs", "namespace Evil;\npublic class Widget\n{\n    public int Count;\n    public void Add() { Count++; Cou }\n}\n");
        return dir.Combine("ws");
    }

    /// <summary>A session an editor would have: initialize in the workspace, open a file, complete, train, shut down.</summary>
    private static async Task Session(LspProcess lsp, string ws)
    {
        await Server.Initialize(lsp, new Uri(ws).AbsoluteUri);
        var uri = new Uri(Path.Combine(ws, "src", "Widget.cs")).AbsoluteUri;
        Server.Open(lsp, uri, await File.ReadAllTextAsync(Path.Combine(ws, "src", "Widget.cs")));
        await Server.Complete(lsp, uri, 4, 33);
        await lsp.Request("textDocument/inlineCompletion", new { textDocument = new { uri }, position = new { line = 4, character = 33 }, context = new { triggerKind = 1 } });
        await lsp.Request("workspace/executeCommand", new { command = "completionLsp.train" });
        lsp.Notify("textDocument/didSave", new { textDocument = new { uri } });
        await Server.Complete(lsp, uri, 4, 33);
    }

    [SkippableFact]
    public async Task Under_strace_a_session_in_a_hostile_workspace_executes_nothing_and_opens_no_network_socket()
    {
        Skip.If(OperatingSystem.IsWindows() || Server.Which("strace") == null, "needs strace (apt-get install -y strace)");
        using var dir = new TempDir("strace");
        string ws = HostileWorkspace(dir, out var marker);
        string log = dir.Combine("strace.log");
        await using (var lsp = Server.Start(options: new LspProcessOptions
        {
            WorkingDirectory = ws,
            Prefix = ["strace", "-f", "-qq", "-o", log, "-e", "trace=execve,execveat,fork,vfork,socket,connect,bind,sendto,sendmsg"],
        }))
        {
            await Session(lsp, ws);
            Assert.Equal(0, await lsp.ShutdownAsync());
        }
        var lines = await File.ReadAllLinesAsync(log);
        var execs = lines.Where(l => l.Contains("execve(") || l.Contains("execveat(")).ToList();
        var sockets = lines.Where(l => l.Contains(" socket(") || l.Contains(" connect(") || l.Contains(" bind(") || l.Contains(" sendto(") || l.Contains(" sendmsg(")).ToList();
        var forks = lines.Where(l => l.Contains(" fork(") || l.Contains(" vfork(")).ToList();
        output.WriteLine($"strace: {lines.Length} lines; execve: {execs.Count}; fork/vfork: {forks.Count}; socket calls: {sockets.Count}");
        foreach (var l in execs.Concat(forks).Concat(sockets).Take(40)) output.WriteLine("  " + l);

        // The only program started is the server itself (strace's exec of `dotnet`), and no process is forked.
        Assert.Single(execs);
        Assert.Contains("\"dotnet\"", execs[0]);
        Assert.Empty(forks);
        // Sockets: local (AF_UNIX: the runtime's diagnostics endpoint) only; no AF_INET/AF_INET6, no connect elsewhere.
        Assert.All(sockets.Where(l => l.Contains(" socket(")), l => Assert.Contains("AF_UNIX", l));
        Assert.All(sockets.Where(l => l.Contains(" connect(") || l.Contains(" sendto(") || l.Contains(" sendmsg(")), l => Assert.Contains("AF_UNIX", l));
        Assert.DoesNotContain(lines, l => l.Contains("AF_INET"));
        Assert.False(File.Exists(marker), "something in the workspace was executed");
    }

    [SkippableFact]
    public async Task A_session_in_a_hostile_workspace_holds_no_network_socket_and_runs_nothing()
    {
        // Without strace: every socket the process holds, sampled during the session, is a Unix socket.
        Skip.If(!Directory.Exists("/proc/self/fd"), "needs /proc");
        using var dir = new TempDir("procnet");
        string ws = HostileWorkspace(dir, out var marker);
        await using var lsp = Server.Start(options: new LspProcessOptions { WorkingDirectory = ws });
        var seen = new HashSet<string>();
        using var cts = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{lsp.Pid}/fd"))
                        if (new FileInfo(fd).LinkTarget is { } t && t.StartsWith("socket:[", StringComparison.Ordinal)) lock (seen) seen.Add(t[8..^1]);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                await Task.Delay(20);
            }
        });
        await Session(lsp, ws);
        var children = File.Exists($"/proc/{lsp.Pid}/task/{lsp.Pid}/children") ? (await File.ReadAllTextAsync($"/proc/{lsp.Pid}/task/{lsp.Pid}/children")).Trim() : "";
        cts.Cancel();
        await sampler;
        var inet = new HashSet<string>();
        foreach (var table in new[] { "tcp", "tcp6", "udp", "udp6", "raw", "raw6" })
            if (File.Exists($"/proc/{lsp.Pid}/net/{table}"))
                foreach (var line in (await File.ReadAllLinesAsync($"/proc/{lsp.Pid}/net/{table}")).Skip(1))
                {
                    var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (cols.Length > 9) inet.Add(cols[9]);
                }
        output.WriteLine($"sockets held during the session: {seen.Count} ({string.Join(", ", seen)}); of them internet sockets: {seen.Count(inet.Contains)}; child processes: '{children}'");
        Assert.DoesNotContain(seen, inet.Contains);
        Assert.Equal("", children);
        Assert.Equal(0, await lsp.ShutdownAsync());
        Assert.False(File.Exists(marker), "something in the workspace was executed");
    }

    private static readonly string[] Assemblies = ["CompletionLsp.Core.dll", "CompletionLsp.Server.dll", "completion-lsp.dll"];

    [Fact]
    public void The_server_references_no_MSBuild_and_no_workspace_loader()
    {
        // Every assembly the server process can load (its deps.json), and the assemblies each of ours references.
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "completion-lsp.deps.json")));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToList();
        output.WriteLine("libraries of completion-lsp: " + string.Join(", ", libraries));
        // Roslyn's workspace (Microsoft.CodeAnalysis.Workspaces) serves the semantic model, built by hand from project
        // files read as text; its MSBuild loader, MSBuild itself and NuGet's client are never there.
        string[] forbidden = ["Microsoft.Build", "Microsoft.CodeAnalysis.Workspaces.MSBuild", "Microsoft.Build.Locator", "NuGet."];
        Assert.DoesNotContain(libraries, l => forbidden.Any(f => l.Equals(f, StringComparison.OrdinalIgnoreCase) || l.StartsWith(f + ".", StringComparison.OrdinalIgnoreCase) || l.StartsWith(f, StringComparison.OrdinalIgnoreCase) && f.EndsWith('.')));
        foreach (var name in Assemblies)
        {
            var refs = References(name).Assemblies;
            Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.Build", StringComparison.OrdinalIgnoreCase) || r.StartsWith("Microsoft.CodeAnalysis.Workspaces", StringComparison.OrdinalIgnoreCase));
        }
        // Roslyn types stay inside the semantic layer, which has no MSBuild either.
        foreach (var refs in new[] { References("CompletionLsp.Semantic.dll").Assemblies })
        {
            output.WriteLine("CompletionLsp.Semantic references: " + string.Join(", ", refs));
            Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.Build", StringComparison.OrdinalIgnoreCase) || r.Contains("MSBuild", StringComparison.OrdinalIgnoreCase) || r.StartsWith("NuGet", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void The_core_and_server_use_no_arbitrary_deserializer_no_process_no_network_and_no_assembly_loading()
    {
        string[] forbiddenTypes =
        [
            "System.Runtime.Serialization.Formatters.Binary.BinaryFormatter", "System.Runtime.Serialization.Formatters.Soap.SoapFormatter",
            "System.Runtime.Serialization.NetDataContractSerializer", "System.Runtime.Serialization.DataContractSerializer",
            "System.Runtime.Serialization.Json.DataContractJsonSerializer", "System.Xml.Serialization.XmlSerializer", "System.Web.UI.LosFormatter",
            "System.Web.UI.ObjectStateFormatter", "System.Web.Script.Serialization.JavaScriptSerializer", "System.Runtime.Serialization.IFormatter",
            "System.Net.Sockets.Socket", "System.Net.Sockets.TcpClient", "System.Net.Sockets.UdpClient", "System.Net.Http.HttpClient", "System.Net.WebClient",
            "System.Net.WebRequest", "System.Net.Dns", "System.Runtime.Loader.AssemblyLoadContext",
        ];
        string[] forbiddenMembers = ["System.Diagnostics.Process::Start", "System.Reflection.Assembly::Load", "System.Reflection.Assembly::LoadFrom",
            "System.Reflection.Assembly::LoadFile", "System.Reflection.Assembly::UnsafeLoadFrom", "System.Activator::CreateInstance"];
        foreach (var name in new[] { "CompletionLsp.Core.dll", "CompletionLsp.Server.dll" })
        {
            var (_, types, members) = References(name);
            output.WriteLine($"{name}: {types.Count} type references, {members.Count} member references");
            Assert.DoesNotContain(types, t => forbiddenTypes.Contains(t) || t.StartsWith("Newtonsoft.Json", StringComparison.Ordinal) || t.StartsWith("MessagePack", StringComparison.Ordinal) || t.StartsWith("Microsoft.Build", StringComparison.Ordinal));
            Assert.DoesNotContain(members, m => forbiddenMembers.Any(f => m == f));
        }
    }

    /// <summary>Referenced assemblies, type references (namespace.name) and member references (type::member) of one of our assemblies.</summary>
    private static (List<string> Assemblies, HashSet<string> Types, HashSet<string> Members) References(string file)
    {
        using var pe = new PEReader(File.OpenRead(Path.Combine(AppContext.BaseDirectory, file)));
        var md = pe.GetMetadataReader();
        var assemblies = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
        string TypeName(TypeReferenceHandle h)
        {
            var t = md.GetTypeReference(h);
            string ns = md.GetString(t.Namespace), n = md.GetString(t.Name);
            if (t.ResolutionScope.Kind == HandleKind.TypeReference) return TypeName((TypeReferenceHandle)t.ResolutionScope) + "+" + n;
            return ns.Length > 0 ? ns + "." + n : n;
        }
        var types = md.TypeReferences.Select(TypeName).ToHashSet();
        var members = new HashSet<string>();
        foreach (var h in md.MemberReferences)
        {
            var m = md.GetMemberReference(h);
            if (m.Parent.Kind == HandleKind.TypeReference) members.Add(TypeName((TypeReferenceHandle)m.Parent) + "::" + md.GetString(m.Name));
            else if (m.Parent.Kind == HandleKind.TypeSpecification) members.Add("(generic)::" + md.GetString(m.Name));
        }
        return (assemblies, types, members);
    }
}
