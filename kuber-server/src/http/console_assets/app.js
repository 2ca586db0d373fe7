// The console script is written in the console change; this file keeps the page loadable.
