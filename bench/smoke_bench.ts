import { tensor } from "../mod.ts";

Deno.bench("mul of two scalars", () => {
  tensor(2).mul(tensor(3));
});
