// The gallery grid: one widget for every tile (no widget per picture), pictures by message.
function tileNode(tile, picture, selected) {
  const node = document.createElement("button");
  node.className = "ipd-tile" + (tile.id === selected ? " ipd-selected" : "");
  node.dataset.id = tile.id;
  node.type = "button";
  node.title = tile.title;
  node.setAttribute("aria-label", tile.title);
  node.setAttribute("data-testid", "tile");
  if (picture && picture.src) {
    const img = document.createElement("img");
    img.src = picture.src;
    img.alt = tile.alt;
    img.width = 150;
    img.height = 150;
    node.appendChild(img);
  } else {
    const empty = document.createElement("div");
    empty.className = "ipd-placeholder";
    empty.textContent = picture ? "No picture: " + picture.reason : "loading…";
    node.appendChild(empty);
  }
  if (tile.badge) {
    const badge = document.createElement("span");
    badge.className = "ipd-badge";
    badge.textContent = tile.badge;
    node.appendChild(badge);
  }
  const label = document.createElement("span");
  label.className = "ipd-metric";
  label.textContent = tile.label;
  node.appendChild(label);
  return node;
}

function render({ model, el }) {
  const pictures = new Map();
  const grid = document.createElement("div");
  grid.className = "ipd-grid";
  grid.setAttribute("role", "list");
  grid.setAttribute("data-lm-suppress-shortcuts", "true");
  el.appendChild(grid);
  const nodes = new Map();

  function draw() {
    grid.replaceChildren();
    nodes.clear();
    const selected = model.get("selected");
    for (const tile of model.get("tiles")) {
      const node = tileNode(tile, pictures.get(tile.id), selected);
      nodes.set(tile.id, [node, tile]);
      grid.appendChild(node);
    }
  }
  function redrawOne(id) {
    const entry = nodes.get(id);
    if (!entry) return;
    const fresh = tileNode(entry[1], pictures.get(id), model.get("selected"));
    entry[0].replaceWith(fresh);
    nodes.set(id, [fresh, entry[1]]);
  }
  grid.addEventListener("click", (event) => {
    const node = event.target.closest(".ipd-tile");
    if (!node) return;
    model.set("selected", node.dataset.id);
    model.save_changes();
  });
  model.on("msg:custom", (message) => {
    if (message.type !== "pictures") return;
    for (const [id, picture] of Object.entries(message.pictures)) {
      pictures.set(id, picture);
      redrawOne(id);
    }
  });
  model.on("change:tiles", draw);
  model.on("change:selected", draw);
  draw();
  model.send({ type: "ready" });
}

export default { render };
