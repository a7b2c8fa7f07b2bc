import { render } from "preact";
import { App } from "./app";
import { adoptFragmentToken } from "./auth";
import "./style.css";

// A `#token=…` link signs in; the fragment leaves the address bar before anything renders.
adoptFragmentToken();
render(<App />, document.getElementById("app")!);
