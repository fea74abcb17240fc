# US3L Table 6, DTD: the Flowers-102 protocol on mmpretrain's stock DTD
# under data/dtd/ (images/, imdb/imdb.mat; split 1, trainval / test).
_base_ = './linear_us-r50_8xb64-steplr-100e_flowers102.py'
dataset = dict(type='DTD', data_root='data/dtd/')
model = dict(num_classes=47)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
