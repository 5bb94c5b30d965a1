// Testing Library's `waitFor` and `findBy*` wait up to PATIENCE instead of 1 s.
import { configure } from "@testing-library/dom";
import { PATIENCE } from "../patience.js";

configure({ asyncUtilTimeout: PATIENCE });
