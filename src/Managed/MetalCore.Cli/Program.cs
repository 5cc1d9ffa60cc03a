using MetalCore.Cli;

return CommandRunner.Invoke(CliApp.CreateRoot(), args);
