// Mocha loads this with require(), so that ts-node (registered first) compiles the guard as CommonJS.
require("./inside-repo.ts");
