/** `golive flow --landing`: which pages a stack of each mode accepts, and the one-line refusal. */
import { expect, it } from "vitest";
import { landingProblem } from "../../../cli/landing";

const cases: Array<[string, "test" | "live", RegExp | undefined]> = [
  ["https://shop.example/pricing", "live", undefined],
  ["https://shop.example/pricing?plan=pro", "test", undefined],
  ["HTTPS://shop.example/", "live", undefined],
  ["http://localhost:3000/pricing", "test", undefined],
  ["http://127.0.0.1:8080/", "test", undefined],
  ["http://[::1]:8080/", "test", undefined],
  ["http://shop.localhost/", "test", undefined],
  ["http://shop.example/pricing", "test", /--landing may use plain http only on localhost/],
  ["http://shop.example/pricing", "live", /--landing must be an https:\/\/ URL on a live stack/],
  ["http://localhost:3000/", "live", /--landing must be an https:\/\/ URL on a live stack/],
  ["https://localhost/", "live", /--landing must be a public page on a live stack; localhost/],
  ["https://10.0.0.5/", "live", /--landing must be a public page on a live stack/],
  ["shop.example/pricing", "test", /--landing must be an absolute URL/],
  ["/pricing", "live", /--landing must be an absolute URL/],
  ["", "test", /--landing must be an absolute URL/],
  ["ftp://shop.example/", "test", /--landing must be an http\(s\) URL/],
  ["javascript:alert(1)", "live", /--landing must be an http\(s\) URL/],
  ["https://user:pw@shop.example/", "live", /user name or password/],
];

it.each(cases)("%s on a %s stack", (url, mode, problem) => {
  const got = landingProblem(url, mode);
  if (problem === undefined) expect(got).toBeUndefined();
  else {
    expect(got).toMatch(problem);
    expect(got).not.toContain("\n");
  }
});
