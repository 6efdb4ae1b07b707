Console.WriteLine("log");
