package dev.assay.server.api;

import java.util.List;

/** One resource of the management API: the endpoints it serves. */
interface Resource {
  List<Endpoint> endpoints();
}
