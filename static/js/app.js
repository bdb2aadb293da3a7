// Progressive enhancement only: the pages work without this file.
"use strict";
