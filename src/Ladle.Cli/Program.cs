using Ladle.Cli;

return await LadleCommandLine.Build().Parse(args).InvokeAsync();
