newImage("img", "8-bit black", 400, 300, 1);
ovals = newArray(100,50,200,150,  10,20,31,17,  50,60,64,64,  5,5,7,12,  120,40,251,201,  0,0,33,33);
for (i = 0; i < ovals.length; i += 4) {
  selectImage("img");
  makeOval(ovals[i], ovals[i+1], ovals[i+2], ovals[i+3]);
  saveAs("Selection", "./o" + (i/4) + ".roi");
  run("Create Mask");
  selectImage("Mask");
  saveAs("PNG", "./o" + (i/4) + ".png");
  close();
}
print("done");
