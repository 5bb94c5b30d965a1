// Waits in tests are for events, not deadlines: a ceiling only ends a test that would otherwise
// hang, so it is generous enough that a busy machine never reaches it. Testing Library's default
// (1 s) is a deadline a loaded 2-core machine misses.
import { configure } from "@testing-library/dom";

configure({ asyncUtilTimeout: 30_000 });
