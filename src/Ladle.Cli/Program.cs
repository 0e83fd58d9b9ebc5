using Ladle.Cli;

LadleCommandLine.FitConsole();
return await LadleCommandLine.Build().Parse(args).InvokeAsync();
